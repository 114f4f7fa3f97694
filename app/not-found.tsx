import { NotFoundView } from "@/components/ui/not-found-view";

export default function NotFound() {
  return (
    <NotFoundView title="Page not found">
      <p>There is no page at this address. Services are the ones in the Lazarus config; check the link or start from the overview.</p>
    </NotFoundView>
  );
}
