import { NotFoundView } from "@/components/ui/not-found-view";

export default function DrillsNotFound() {
  return (
    <NotFoundView title="Not found">
      <p>There is no such page. Restore drills are listed on the Drills page.</p>
    </NotFoundView>
  );
}
