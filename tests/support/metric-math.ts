/**
 * A reading of CloudWatch metric math, enough for our alarms' expressions: numbers, metric ids, + - * / and
 * parentheses, and FILL(series, value), which stands in `value` where the series has no datapoint. A missing
 * datapoint anywhere else makes the result missing, as in CloudWatch; the alarm then follows treatMissingData.
 */
export type Datapoints = Record<string, number | undefined>;

export function evaluate(expression: string, data: Datapoints): number | undefined {
  const tokens = expression.match(/[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[-+*/(),]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const tok = tokens[i++];
    if (t !== undefined && tok !== t) throw new Error(`expected ${t} in "${expression}", got ${tok}`);
    return tok;
  };
  const primary = (): number | undefined => {
    const tok = take();
    if (tok === "(") {
      const v = sum();
      take(")");
      return v;
    }
    if (/^\d/.test(tok)) return Number(tok);
    if (tok === "FILL") {
      take("(");
      const series = take();
      take(",");
      const fill = Number(take());
      take(")");
      return data[series] ?? fill;
    }
    if (/^[A-Za-z_]/.test(tok)) return data[tok];
    throw new Error(`cannot read "${tok}" in "${expression}"`);
  };
  const product = (): number | undefined => {
    let v = primary();
    while (peek() === "*" || peek() === "/") {
      const op = take();
      const r = primary();
      v = v === undefined || r === undefined ? undefined : op === "*" ? v * r : v / r;
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = take();
      const r = product();
      v = v === undefined || r === undefined ? undefined : op === "+" ? v + r : v - r;
    }
    return v;
  };
  const result = sum();
  if (i !== tokens.length) throw new Error(`unread tokens in "${expression}"`);
  return result;
}

/** Whether an alarm over `value` with this threshold, operator and treatMissingData is in ALARM. */
export function inAlarm(alarm: { threshold?: number; comparisonOperator?: string; treatMissingData?: string }, value: number | undefined): boolean {
  if (value === undefined) return alarm.treatMissingData === "breaching";
  switch (alarm.comparisonOperator) {
    case "GreaterThanThreshold": return value > alarm.threshold!;
    case "GreaterThanOrEqualToThreshold": return value >= alarm.threshold!;
    case "LessThanThreshold": return value < alarm.threshold!;
    case "LessThanOrEqualToThreshold": return value <= alarm.threshold!;
    default: throw new Error(`operator ${alarm.comparisonOperator}`);
  }
}
