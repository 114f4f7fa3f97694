import clsx from "clsx";
import type { AttributeMap, AttributeValue } from "@/lib/archive/attribute-value";
import { attributeType, base64ByteLength, pluralize, TYPE_NAMES, type AttributeType } from "./attribute-format";

/**
 * An item as DynamoDB stores it: every value with its type tag, numbers and
 * strings exactly as archived (a 38-digit number is never parsed), binary as
 * base64 with its length, sets as lists, maps and lists nested and collapsible.
 * No hooks: it renders on the server and inside client panels alike.
 */

export function TypeTag({ type }: { type: AttributeType }) {
  return (
    <abbr
      title={TYPE_NAMES[type]}
      className="inline-block min-w-7 rounded bg-slate-200 px-1 text-center font-mono text-[11px] leading-5 font-semibold text-slate-700 no-underline"
    >
      {type}
    </abbr>
  );
}

const mono = "font-mono text-sm break-all whitespace-pre-wrap";

function ScalarText({ text, emptyLabel }: { text: string; emptyLabel: string }) {
  if (text === "") return <span className="text-sm text-slate-600 italic">{emptyLabel}</span>;
  return <span className={mono}>{text}</span>;
}

function SetValues({ values, binary }: { values: string[]; binary?: boolean }) {
  return (
    <ul className="list-disc space-y-0.5 pl-5">
      {values.map((v, i) => (
        <li key={i}>
          <span className={mono}>{v}</span>
          {binary ? <span className="ml-2 text-xs text-slate-600">({pluralize(base64ByteLength(v), "byte")})</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function TypedValue({ value, collapsed = false }: { value: AttributeValue; collapsed?: boolean }) {
  if ("S" in value) return <ScalarText text={value.S} emptyLabel="empty string" />;
  if ("N" in value) return <span className={mono}>{value.N}</span>;
  if ("B" in value) {
    return (
      <span>
        <ScalarText text={value.B} emptyLabel="empty binary" />
        <span className="ml-2 text-xs text-slate-600">({pluralize(base64ByteLength(value.B), "byte")}, base64)</span>
      </span>
    );
  }
  if ("BOOL" in value) return <span className={mono}>{value.BOOL ? "true" : "false"}</span>;
  if ("NULL" in value) return <span className={clsx(mono, "text-slate-600")}>null</span>;
  if ("SS" in value) return <SetValues values={value.SS} />;
  if ("NS" in value) return <SetValues values={value.NS} />;
  if ("BS" in value) return <SetValues values={value.BS} binary />;
  if ("M" in value) {
    const count = Object.keys(value.M).length;
    return (
      <details open={!collapsed} className="group">
        <summary className="cursor-pointer text-sm text-slate-600 select-none">{pluralize(count, "attribute")}</summary>
        <div className="mt-1 border-l-2 border-slate-200 pl-3">
          <AttributeList attributes={value.M} />
        </div>
      </details>
    );
  }
  return (
    <details open={!collapsed}>
      <summary className="cursor-pointer text-sm text-slate-600 select-none">{pluralize(value.L.length, "item")}</summary>
      <ol start={0} className="mt-1 space-y-1 border-l-2 border-slate-200 pl-3">
        {value.L.map((item, i) => (
          <li key={i} className="flex items-start gap-2">
            <span className="w-6 shrink-0 text-right font-mono text-xs leading-5 text-slate-600">[{i}]</span>
            <TypeTag type={attributeType(item)} />
            <div className="min-w-0 flex-1">
              <TypedValue value={item} />
            </div>
          </li>
        ))}
      </ol>
    </details>
  );
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function AttributeList({ attributes, keyNames = [] }: { attributes: AttributeMap; keyNames?: string[] }) {
  // Key attributes first, in key order; the rest by name so two views of an item line up.
  const names = Object.keys(attributes).sort((a, b) => {
    const ka = keyNames.indexOf(a);
    const kb = keyNames.indexOf(b);
    if (ka !== -1 || kb !== -1) return (ka === -1 ? Infinity : ka) - (kb === -1 ? Infinity : kb);
    return compareNames(a, b);
  });
  if (names.length === 0) return <p className="text-sm text-slate-600 italic">no attributes</p>;
  return (
    // Names beside values only where this list itself has the room (a container query, not the
    // window's width): each nested map takes its indent and a name column, and at 200 % zoom the
    // fourth level used to push its values off the screen, one character per line.
    <dl className="@container divide-y divide-slate-100">
      {names.map((name) => {
        const value = attributes[name] as AttributeValue;
        return (
          <div key={name} className="grid grid-cols-1 gap-1 py-1.5 @md:grid-cols-[minmax(8rem,16rem)_1fr] @md:gap-3">
            <dt className="flex items-start gap-2">
              <TypeTag type={attributeType(value)} />
              <span className="font-mono text-sm font-medium break-all text-slate-900">{name}</span>
              {keyNames.includes(name) ? <span className="rounded bg-indigo-100 px-1 text-[11px] leading-5 font-medium text-indigo-900">key</span> : null}
            </dt>
            <dd className="min-w-0">
              <TypedValue value={value} />
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

export function TypedAttributeView({ item, keyNames, label }: { item: AttributeMap; keyNames?: string[]; label?: string }) {
  return (
    <div role={label ? "group" : undefined} aria-label={label} className="rounded-md border border-slate-200 bg-white p-3">
      <AttributeList attributes={item} {...(keyNames ? { keyNames } : {})} />
    </div>
  );
}
