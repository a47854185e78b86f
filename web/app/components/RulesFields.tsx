import { DATE_RULES, type DateRule, type FieldProblem, NUMBER_RULES, type NumberRule, type RulesDraft, type Tristate } from "../lib/hostRules"

export interface RulesFieldsProps {
  /** The controls' id prefix (`<prefix>-<field>`): a 400's field is found by it. */
  readonly prefix: string
  readonly draft: RulesDraft
  readonly onChange: (draft: RulesDraft) => void
  /** What an empty field means, per field ("Default: 60", "Your rule: 10"). */
  readonly hints: Readonly<Record<NumberRule | DateRule | "guestsMayReschedule", string>>
  /** Empty fields fall back to the host's rules (an event type's override) rather than the defaults. */
  readonly inherits: boolean
  readonly problem: FieldProblem | undefined
}

/** The private rules, one labelled control each; a field the AppView refused shows its sentence beneath it. */
export function RulesFields({ prefix, draft, onChange, hints, inherits, problem }: RulesFieldsProps) {
  const described = (field: string) => {
    const refused = problem?.field === field
    return {
      "aria-invalid": refused ? true : undefined,
      "aria-describedby": refused ? `${prefix}-${field}-hint ${prefix}-${field}-problem` : `${prefix}-${field}-hint`
    }
  }
  const below = (field: string) => (
    <>
      <span id={`${prefix}-${field}-hint`} className="muted" style={{ display: "block", fontSize: "0.9rem" }}>
        {hints[field as NumberRule]}
      </span>
      {problem?.field === field && (
        <span id={`${prefix}-${field}-problem`} className="notice error" role="alert" style={{ display: "block" }}>
          {problem.sentence}
        </span>
      )}
    </>
  )
  return (
    <>
      <div className="row" style={{ alignItems: "flex-start" }}>
        {NUMBER_RULES.map((rule) => (
          <div key={rule.key}>
            <label htmlFor={`${prefix}-${rule.key}`}>
              {rule.label} ({rule.unit})
            </label>
            <input
              id={`${prefix}-${rule.key}`}
              type="number"
              inputMode="numeric"
              min={rule.min}
              max={rule.max}
              step={1}
              value={draft[rule.key]}
              onChange={(e) => onChange({ ...draft, [rule.key]: e.target.value })}
              {...described(rule.key)}
            />
            {below(rule.key)}
          </div>
        ))}
      </div>
      <div className="row" style={{ alignItems: "flex-start" }}>
        {DATE_RULES.map((rule) => (
          <div key={rule.key}>
            <label htmlFor={`${prefix}-${rule.key}`}>{rule.label}</label>
            <input id={`${prefix}-${rule.key}`} type="date" value={draft[rule.key]} onChange={(e) => onChange({ ...draft, [rule.key]: e.target.value })} {...described(rule.key)} />
            {below(rule.key)}
          </div>
        ))}
      </div>
      <label htmlFor={`${prefix}-guestsMayReschedule`}>Guests may reschedule</label>
      <select
        id={`${prefix}-guestsMayReschedule`}
        value={draft.guestsMayReschedule}
        onChange={(e) => onChange({ ...draft, guestsMayReschedule: e.target.value as Tristate })}
        {...described("guestsMayReschedule")}
      >
        <option value="">{inherits ? "Same as your rules" : "No (default): you confirm a guest's new time"}</option>
        <option value="yes">Yes: guests move meetings themselves</option>
        <option value="no">No: you confirm a guest's new time</option>
      </select>
      {below("guestsMayReschedule")}
    </>
  )
}
