import Link from "next/link";
import { NotFoundView } from "@/components/ui/not-found-view";

export default function ProtectionNotFound() {
  return (
    <NotFoundView title="Service not found">
      <p>
        Lazarus&apos;s configuration names no such service. <Link href="/protection">See every configured service&apos;s protection</Link>.
      </p>
    </NotFoundView>
  );
}
