import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";

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
  /** The value, from a stack secret (`pulumi config set --secret`). Exactly one of value/generate. */
  value?: pulumi.Input<string>;
  /** Generate the value instead, in this format. */
  generate?: GeneratedValue;
  /** Days a deleted secret can be restored; 0 deletes at once. */
  recoveryWindowDays: number;
}

/**
 * A Secrets Manager secret. The value stays a Pulumi secret end to end (encrypted in state, never an output);
 * consumers get the ARN and `versionId`, which changes whenever the value does.
 */
export class Secret extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  /** Changes with every new value; services fold it into their task definition so a new value rolls them. */
  public readonly versionId: pulumi.Output<string>;

  constructor(name: string, args: SecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:secret:Secret", name, {}, opts);
    if ((args.value === undefined) === (args.generate === undefined)) {
      throw new pulumi.ResourceError(`secret ${name}: give exactly one of value or generate`, this, true);
    }
    if (args.generate && (args.generate.bytes < 16 || !/^[A-Za-z0-9_-]*$/.test(args.generate.prefix))) {
      throw new pulumi.ResourceError(`secret ${name}: generate needs at least 16 bytes and a prefix of [A-Za-z0-9_-]`, this, true);
    }

    const secret = new aws.secretsmanager.Secret(
      name,
      { description: args.description, recoveryWindowInDays: args.recoveryWindowDays },
      { parent: this },
    );

    let value: pulumi.Input<string>;
    if (args.generate) {
      const { prefix, bytes } = args.generate;
      // RandomId draws from the OS CSPRNG; `hex` is its bytes as lowercase hex (2 characters per byte).
      const id = new random.RandomId(name, { byteLength: bytes }, { parent: this });
      value = pulumi.secret(pulumi.interpolate`${prefix}${id.hex}`);
    } else {
      value = pulumi.secret(args.value!);
    }

    const version = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: value }, { parent: this });
    this.arn = secret.arn;
    this.versionId = version.versionId;
    this.registerOutputs({ arn: this.arn });
  }
}
