import { NotFoundView } from "@/components/ui/not-found-view";

export default function DayNotFound() {
  return (
    <NotFoundView title="Not found">
      <p>Lazarus does not know this service. Check the link, or pick the service and day from the overview.</p>
    </NotFoundView>
  );
}
