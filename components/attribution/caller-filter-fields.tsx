/** The caller filter's two form fields (`who`, `whoMatch`), as the search and report forms submit them in their URL. */
export function CallerFilterFields({
  idPrefix,
  label,
  placeholder,
  who,
  whoMatch,
  fieldClassName,
  whoClassName,
}: {
  idPrefix: string;
  label: string;
  placeholder: string;
  who: string | undefined;
  whoMatch: "contains" | "equals" | undefined;
  fieldClassName: string;
  /** The caller field's wrapper: it takes the row's spare width. */
  whoClassName: string;
}) {
  return (
    <>
      <div className={whoClassName}>
        <label htmlFor={`${idPrefix}-who`} className="text-sm font-medium">
          {label}
        </label>
        <input id={`${idPrefix}-who`} name="who" defaultValue={who ?? ""} placeholder={placeholder} maxLength={2048} autoComplete="off" spellCheck={false} className={`${fieldClassName} font-mono`} />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={`${idPrefix}-who-match`} className="text-sm font-medium">
          Match the caller
        </label>
        <select id={`${idPrefix}-who-match`} name="whoMatch" defaultValue={whoMatch ?? "contains"} className={fieldClassName}>
          <option value="contains">contains</option>
          <option value="equals">equals (a role: all its sessions)</option>
        </select>
      </div>
    </>
  );
}
