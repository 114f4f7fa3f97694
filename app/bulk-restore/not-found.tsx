import { NotFoundView } from "@/components/ui/not-found-view";

export default function BulkRestoreNotFound() {
  return (
    <NotFoundView title="Not found">
      <p>There is no such bulk-restore job. Recent jobs are listed on the bulk-restore page.</p>
    </NotFoundView>
  );
}
