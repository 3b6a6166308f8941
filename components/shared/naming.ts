import * as pulumi from "@pulumi/pulumi";

/**
 * Physical names of things AWS names account-wide (alarms, task-definition families, log groups): each carries
 * the stack, so staging and prod in one account never collide. The one place such a name is built.
 */
export function stackScoped(name: string): string {
  return `${pulumi.getStack()}-${name}`;
}

/** The log group of a service's containers: `/ecs/<stack>/<service>`. */
export function serviceLogGroupName(service: string): string {
  return `/ecs/${pulumi.getStack()}/${service}`;
}

/** The names a component was registered under before (`aliases: [{ name }]` in its options). */
export function formerNames(opts?: pulumi.ComponentResourceOptions): string[] {
  return (opts?.aliases ?? []).flatMap((a) =>
    a && typeof a === "object" && "name" in a && typeof (a as pulumi.Alias).name === "string" ? [(a as pulumi.Alias).name as string] : [],
  );
}

/**
 * Options of a child named `<component name><suffix>` that keep its identity across a rename of its component:
 * an alias to `<former name><suffix>` for each former name, so a live stack updates it in place instead of
 * replacing it (and AWS keeps its autoname, id and data).
 */
export function childOptions(parent: pulumi.Resource, name: string, former: string[], child: string): pulumi.CustomResourceOptions {
  if (!former.length || !child.startsWith(name)) return { parent };
  return { parent, aliases: former.map((f) => ({ name: `${f}${child.slice(name.length)}` })) };
}
