import Link from "next/link";
import { NotFoundView } from "@/components/ui/not-found-view";

export default function PitrNotFound() {
  return (
    <NotFoundView title="Restore not found">
      <p>
        No point-in-time restore started from Lazarus has this id. <Link href="/pitr">See the list of restores</Link>.
      </p>
    </NotFoundView>
  );
}
