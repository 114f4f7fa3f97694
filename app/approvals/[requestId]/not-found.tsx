import { NotFoundView } from "@/components/ui/not-found-view";

export default function ApprovalsNotFound() {
  return (
    <NotFoundView title="Not found">
      <p>There is no such approval request. The requests you can see are listed on the Approvals page.</p>
    </NotFoundView>
  );
}
