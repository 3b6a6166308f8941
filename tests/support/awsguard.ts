/**
 * Pulumi's AWS policy library, @pulumi/awsguard, as an independent second opinion over both stacks in the tests.
 *
 * It is no longer served in the policy pack: Pulumi moved AWSGuard to its deprecated content (pulumi/docs #16465,
 * November 2025), and its last release (0.3.1) pins @pulumi/aws 4 and the AWS SDK for JavaScript v2, whose support
 * ended in September 2025. Nothing that ships or runs at preview depends on it; it is a devDependency whose rules
 * tests/awsguard.test.ts runs on the captured graph of each stack. Its rules are rules written by someone else,
 * which is what makes them worth running: they catch what our own pack's author did not think of.
 *
 * AWSGuard registers each rule as its module loads and offers them only through its `AwsGuard` pack class, whose
 * constructor starts the analyzer's server; so the rules are taken from the modules' exports instead. Every rule
 * must find nothing unless it is named in AWSGUARD_OVERRIDES, with its reason.
 */
import type { EnforcementLevel, Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** AWSGuard's modules; each exports its rules (and registers them with AwsGuard, which we never construct). */
const MODULES = ["apiGateway", "compute", "database", "elasticsearch", "network", "security", "storage"];

/**
 * The AWSGuard rules this pack lowers or turns off, by rule name, each with the one-line reason. Anything not
 * listed here is enforced as mandatory.
 */
export const AWSGUARD_OVERRIDES: Record<string, { enforcementLevel: EnforcementLevel; reason: string }> = {
  "acm-certificate-expiration": {
    enforcementLevel: "disabled",
    reason:
      "calls ACM through the AWS SDK for JavaScript v2, out of support since September 2025; the stacks' certificates are " +
      "DNS-validated ACM certificates that ACM renews by itself while their validation records exist, which the program keeps",
  },
  "s3-bucket-logging-enabled": {
    enforcementLevel: "disabled",
    reason:
      "reads the inline `loggings` of @pulumi/aws 4 buckets, which @pulumi/aws 7 buckets no longer have (logging is an aws.s3.BucketLogging " +
      "resource), so it fails every bucket; our rule s3-buckets-log-access checks the same thing on the resources we create",
  },
  "ec2-instance-no-public-ip": {
    enforcementLevel: "advisory",
    reason:
      "the only instance a stack may have is the NAT instance of natGateways: instance, which needs a public address to be a NAT; " +
      "it still reports, so any other instance with a public address shows in every preview",
  },
  "ec2-volume-inuse": {
    enforcementLevel: "disabled",
    reason:
      "asks every instance for an extra EBS volume besides its root volume; the NAT instance needs only its encrypted root volume, " +
      "deleted with it (encrypted-volumes still checks that)",
  },
};

/** Every AWSGuard rule, in module order. */
export function awsGuardPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return MODULES.flatMap((m) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Object.values(require(`@pulumi/awsguard/${m}`) as Record<string, unknown>).filter(
      (p): p is ResourceValidationPolicy | StackValidationPolicy =>
        typeof p === "object" && p !== null && typeof (p as Policy).name === "string" && ("validateResource" in p || "validateStack" in p),
    ),
  );
}

/** The enforcement level of each overridden AWSGuard rule, by name. */
export function awsGuardConfig(): Record<string, EnforcementLevel> {
  return Object.fromEntries(Object.entries(AWSGUARD_OVERRIDES).map(([name, o]) => [name, o.enforcementLevel]));
}
