import { NotFoundView } from "@/components/ui/not-found-view";

export default function RecordNotFound() {
  return (
    <NotFoundView title="Archived record not found">
      <p>
        Nothing is archived at this location. The link may be wrong, or the record may have been erased from the archive (a right-to-be-forgotten
        request) or expired by the archive&rsquo;s retention rules. Search by key to find the deletions that remain.
      </p>
    </NotFoundView>
  );
}
