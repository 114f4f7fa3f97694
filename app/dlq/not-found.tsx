import { NotFoundView } from "@/components/ui/not-found-view";

export default function DlqNotFound() {
  return (
    <NotFoundView title="Not found">
      <p>There is nothing at this address. The failed batches of every service are listed on the DLQ page.</p>
    </NotFoundView>
  );
}
