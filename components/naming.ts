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
