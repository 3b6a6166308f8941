/**
 * How long the deploy job may run, and how long its AWS session must last: the worst good `pulumi up`, computed
 * from the program's own bounds.
 *
 * An expired session or a killed job in the middle of `up` leaves pending operations and a held lock on the state,
 * which someone then clears by hand (`pulumi cancel`, `pulumi stack export/import`). So the job's limit, the session
 * that configure-aws-credentials asks for and the bootstrap deploy role's maxSessionDuration must each cover the
 * longest good run, and tests/deploy-budget.test.ts holds them to it for every stack.
 */

/**
 * Seconds from the start of `up` until the first service can be created: VPC and NAT, EFS mount targets, the ALB,
 * and a domain's certificate validated by DNS. An estimate, from docs/deploy.md's first-deploy table (its upper figures:
 * NAT 4, mount targets 3, ALB 4, ACM's usual 10 minutes, partly in parallel); ACM may take longer, and `up` then
 * fails on the certificate's own timeout and continues where it stopped.
 */
export const PLATFORM_READY_SECONDS = 15 * 60;

/**
 * Seconds a cold build and push of the largest image takes (the security stack: Rust and Python wheels, no registry
 * cache). An estimate from docs/deploy.md's figures (10–25 minutes); builds run beside the platform's phase, but the
 * services wait for both, so the budget adds them.
 */
export const COLD_IMAGE_BUILD_SECONDS = 25 * 60;

/**
 * Seconds the recovery point before a data-migrating deploy may take (scripts/pre-migration-backup.sh): a preview,
 * then the backup job, which the script gives up on after its BACKUP_TIMEOUT_MINUTES.
 */
export const PRE_MIGRATION_PREVIEW_SECONDS = 5 * 60;
export const PRE_MIGRATION_BACKUP_TIMEOUT_MINUTES = 25;

/** The deploy job's `timeout-minutes` and the AWS session it asks for (role-duration-seconds), in seconds. */
export const DEPLOY_SESSION_SECONDS = 2 * 60 * 60;

/**
 * The longest good deploy: the recovery point before it, then `up`: the platform, a cold build, then the slowest
 * service's timeout (its own bound plus the margin: a good rollout ends before it, and a failing one fails by then).
 */
export function worstGoodUpSeconds(serviceTimeoutMinutes: number[]): number {
  return (
    PRE_MIGRATION_PREVIEW_SECONDS +
    PRE_MIGRATION_BACKUP_TIMEOUT_MINUTES * 60 +
    PLATFORM_READY_SECONDS +
    COLD_IMAGE_BUILD_SECONDS +
    Math.max(0, ...serviceTimeoutMinutes) * 60
  );
}
