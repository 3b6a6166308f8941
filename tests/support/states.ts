/**
 * Runs an Amazon States Language definition the way Step Functions does, for the part of the language the
 * program's workflows use: Pass, Task, Choice, Wait, Succeed and Fail states; Parameters and ResultSelector with
 * `.$` paths and the intrinsic functions States.Format, States.StringSplit, States.ArrayGetItem and
 * States.ArrayLength; ResultPath (null discards); Retry (counted, not waited) and Catch. Tasks are answered by a
 * stand-in per resource ARN, which may throw `{ error, cause }` as a service error would. Anything else the
 * definition uses throws, so a test never passes on a construct this does not understand.
 */

export interface TaskError {
  error: string;
  cause?: string;
}

/** Answers a Task state's call: the resource ARN and its resolved parameters. */
export type TaskStandIn = (resource: string, parameters: any) => any;

export interface Execution {
  status: "SUCCEEDED" | "FAILED";
  /** The states entered, in order. */
  path: string[];
  /** Every task call made, in order. */
  calls: { state: string; resource: string; parameters: any }[];
  output?: any;
  error?: string;
}

/** Reads a path such as `$.a.b`, `$.list[0].c` or `$`. */
export function readPath(data: any, path: string): any {
  if (path === "$") return data;
  if (!path.startsWith("$.")) throw new Error(`unsupported path ${path}`);
  let value = data;
  for (const part of path.slice(2).match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (value === undefined || value === null) return undefined;
    value = part.startsWith("[") ? value[Number(part.slice(1, -1))] : value[part];
  }
  return value;
}

function writePath(data: any, path: string | null | undefined, result: any): any {
  if (path === null) return data;
  if (path === undefined || path === "$") return result;
  if (!path.startsWith("$.")) throw new Error(`unsupported ResultPath ${path}`);
  const copy = JSON.parse(JSON.stringify(data ?? {}));
  const parts = path.slice(2).split(".");
  let target = copy;
  for (const part of parts.slice(0, -1)) target = target[part] ??= {};
  target[parts[parts.length - 1]] = result;
  return copy;
}

/** Splits an intrinsic function's arguments at top-level commas. */
function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const ch of text) {
    if (ch === "'" ) quoted = !quoted;
    if (!quoted && ch === "(") depth++;
    if (!quoted && ch === ")") depth--;
    if (!quoted && depth === 0 && ch === ",") {
      args.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}

/** Evaluates a `.$` value: a path, or an intrinsic function. */
export function evaluate(expression: string, data: any): any {
  const call = /^(States\.\w+)\((.*)\)$/s.exec(expression.trim());
  if (!call) return readPath(data, expression.trim());
  const args = splitArguments(call[2]).map((a) => (a.startsWith("'") ? a.slice(1, -1) : /^-?\d+$/.test(a) ? Number(a) : evaluate(a, data)));
  switch (call[1]) {
    case "States.Format": {
      let i = 1;
      return (args[0] as string).replace(/\{\}/g, () => String(args[i++]));
    }
    case "States.StringSplit":
      return String(args[0]).split(String(args[1]));
    case "States.ArrayGetItem":
      return (args[0] as any[])[args[1] as number];
    case "States.ArrayLength":
      return (args[0] as any[]).length;
    default:
      throw new Error(`unsupported intrinsic ${call[1]}`);
  }
}

/** Resolves a Parameters or ResultSelector template against the state's input. */
export function resolve(template: any, data: any): any {
  if (Array.isArray(template)) return template.map((t) => resolve(t, data));
  if (template && typeof template === "object") {
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) => (k.endsWith(".$") ? [k.slice(0, -2), evaluate(v as string, data)] : [k, resolve(v, data)])),
    );
  }
  return template;
}

function choose(rule: any, data: any): boolean {
  const value = readPath(data, rule.Variable);
  if ("StringEquals" in rule) return value === rule.StringEquals;
  if ("NumericEquals" in rule) return value === rule.NumericEquals;
  if ("IsPresent" in rule) return (value !== undefined) === rule.IsPresent;
  throw new Error(`unsupported choice rule ${JSON.stringify(rule)}`);
}

const matches = (errors: string[], error: string) => errors.includes("States.ALL") || errors.includes(error);

export function execute(definition: any, input: any, task: TaskStandIn, maxSteps = 200): Execution {
  const execution: Execution = { status: "SUCCEEDED", path: [], calls: [] };
  let name: string = definition.StartAt;
  let data = input;
  for (let step = 0; step < maxSteps; step++) {
    const state = definition.States[name];
    if (!state) throw new Error(`no state named ${name}`);
    execution.path.push(name);
    switch (state.Type) {
      case "Pass": {
        const result = state.Parameters ? resolve(state.Parameters, data) : state.Result ?? data;
        data = writePath(data, state.ResultPath, result);
        name = state.Next;
        break;
      }
      case "Wait":
        name = state.Next;
        break;
      case "Choice": {
        const rule = (state.Choices as any[]).find((r) => choose(r, data));
        name = rule ? rule.Next : state.Default;
        if (!name) throw new Error(`choice state ${execution.path.at(-1)} has no match and no Default`);
        break;
      }
      case "Succeed":
        execution.output = data;
        return execution;
      case "Fail":
        return { ...execution, status: "FAILED", error: state.Error };
      case "Task": {
        const parameters = resolve(state.Parameters ?? {}, data);
        let attempts = 0;
        for (;;) {
          execution.calls.push({ state: name, resource: state.Resource, parameters });
          try {
            const raw = task(state.Resource, parameters);
            const result = state.ResultSelector ? resolve(state.ResultSelector, raw) : raw;
            data = writePath(data, state.ResultPath, result);
            name = state.Next;
            break;
          } catch (e) {
            const failure = e as TaskError;
            if (!failure.error) throw e;
            const retry = (state.Retry ?? []).find((r: any) => matches(r.ErrorEquals, failure.error));
            if (retry && attempts < retry.MaxAttempts) {
              attempts++;
              continue;
            }
            const handler = (state.Catch ?? []).find((c: any) => matches(c.ErrorEquals, failure.error));
            if (!handler) return { ...execution, status: "FAILED", error: failure.error };
            data = writePath(data, handler.ResultPath, { Error: failure.error, Cause: failure.cause ?? "" });
            name = handler.Next;
            break;
          }
        }
        break;
      }
      default:
        throw new Error(`unsupported state type ${state.Type}`);
    }
  }
  throw new Error(`the execution did not end within ${maxSteps} steps`);
}
