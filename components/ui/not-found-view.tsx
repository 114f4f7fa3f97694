import Link from "next/link";
import { SearchX } from "lucide-react";

export function NotFoundView({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="space-y-4">
      <h1 className="flex items-center gap-2 text-2xl font-semibold">
        <SearchX aria-hidden="true" className="size-6 text-slate-500" />
        {title}
      </h1>
      <div className="text-slate-700">{children}</div>
      <p className="flex gap-4 text-sm font-medium text-indigo-700">
        <Link href="/" className="underline-offset-2 hover:underline">
          Overview
        </Link>
        <Link href="/search" className="underline-offset-2 hover:underline">
          Search by key
        </Link>
      </p>
    </div>
  );
}
