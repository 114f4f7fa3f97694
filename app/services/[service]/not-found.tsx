import { NotFoundView } from "@/components/ui/not-found-view";

export default function ServiceNotFound() {
  return (
    <NotFoundView title="Service not found">
      <p>No service by that name is configured in Lazarus. The overview lists the services it knows.</p>
    </NotFoundView>
  );
}
