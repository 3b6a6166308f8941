import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as randomProvider from "@pulumi/random";
import { GENERATED_SECRET_TAG } from "../shared/iam-scope";
import { OperatorSecretRef } from "./operator-secrets";

/** A value generated once and kept in state: `prefix` + `bytes` random bytes as lowercase hex. */
export interface GeneratedValue {
  /** @example "tupl_" */
  prefix: string;
  /** Random bytes; the hex part is twice as long. @example 32 */
  bytes: number;
}

export interface SecretArgs {
  /** What the secret is, shown in the console. */
  description: string;
  /** Generate the value, in this format, and keep it in a secret of the stack's own. Exactly one of generate/operator. */
  generate?: GeneratedValue;
  /** A secret an operator keeps in Secrets Manager (components/resources/operator-secrets.ts): referenced, never read. */
  operator?: OperatorSecretRef;
  /** Days a deleted secret can be restored; 0 deletes at once (generated secrets only). */
  recoveryWindowDays: number;
}

/**
 * A Secrets Manager secret a container reads through `valueFrom`; consumers get the ARN and `versionId`, which
 * changes whenever the value does.
 *
 * - An operator's secret (`operator`) is only referenced: its value never passes through Pulumi.
 * - A generated one (`generate`) is made here from RandomBytes, whose outputs the provider marks secret, so the
 *   value is encrypted in the state too (RandomId's id is its bytes in the clear; the provider's docs say to use
 *   RandomBytes for secret values). The secret version keeps the value it was created with (`ignoreChanges`):
 *   a stack made before the switch from RandomId keeps its key.
 */
export class Secret extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  /** Changes with every new value; services fold it into their task definition so a new value rolls them. */
  public readonly versionId: pulumi.Output<string>;

  constructor(name: string, args: SecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:secret:Secret", name, {}, opts);
    if ((args.operator === undefined) === (args.generate === undefined)) {
      throw new pulumi.ResourceError(`secret ${name}: give exactly one of operator or generate`, this, true);
    }
    if (args.operator) {
      this.arn = pulumi.output(args.operator.arn);
      this.versionId = pulumi.output(args.operator.versionId);
      this.registerOutputs({ arn: this.arn });
      return;
    }
    const { prefix, bytes } = args.generate!;
    if (bytes < 16 || !/^[A-Za-z0-9_-]*$/.test(prefix)) {
      throw new pulumi.ResourceError(`secret ${name}: generate needs at least 16 bytes and a prefix of [A-Za-z0-9_-]`, this, true);
    }

    const secret = new aws.secretsmanager.Secret(
      name,
      { description: args.description, recoveryWindowInDays: args.recoveryWindowDays, tags: { [GENERATED_SECRET_TAG]: pulumi.getStack() } },
      { parent: this },
    );
    // RandomBytes draws from the OS CSPRNG; `hex` is its bytes as lowercase hex (2 characters per byte).
    const random = new randomProvider.RandomBytes(name, { length: bytes }, { parent: this });
    const version = new aws.secretsmanager.SecretVersion(
      name,
      { secretId: secret.id, secretString: pulumi.secret(pulumi.interpolate`${prefix}${random.hex}`) },
      { parent: this, ignoreChanges: ["secretString"] },
    );
    this.arn = secret.arn;
    this.versionId = version.versionId;
    this.registerOutputs({ arn: this.arn });
  }
}
