/**
 * A file system restored from a backup that a volume adopts instead of its own: named by config, and looked up in
 * the account before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ConfigError, VolumeRestore } from "../../config";

export type { VolumeRestore } from "../../config";

/** A restored file system as found in the account before any resource is registered (findRestoredFileSystems). */
export interface RestoredFileSystem extends VolumeRestore {
  arn: string;
  /** The key it is encrypted with. */
  kmsKeyId: string;
}

/**
 * Looks up every restored file system the config names, before any resource is registered: one that is not in this
 * account and region, or not encrypted, is refused at preview with the key that names it, and nothing is touched.
 */
export async function findRestoredFileSystems(wanted: { key: string; restore: VolumeRestore }[]): Promise<Record<string, RestoredFileSystem>> {
  const found: Record<string, RestoredFileSystem> = {};
  const problems: string[] = [];
  await Promise.all(
    wanted.map(async ({ key, restore }) => {
      let fs: aws.efs.GetFileSystemResult;
      try {
        fs = await aws.efs.getFileSystem({ fileSystemId: restore.fileSystemId });
      } catch (e) {
        problems.push(
          `${pulumi.getProject()}:${key}: ${restore.fileSystemId} is not an EFS file system of this account in this region (${(e as Error).message}); ` +
            "restore the recovery point into this region, or set the id of the file system the restore job created",
        );
        return;
      }
      if (!fs.encrypted) {
        problems.push(`${pulumi.getProject()}:${key}: ${restore.fileSystemId} is not encrypted; restore the recovery point again with Encrypted=true and the volume's key (output efsKeyArns)`);
        return;
      }
      found[restore.fileSystemId] = { ...restore, arn: fs.arn, kmsKeyId: fs.kmsKeyId };
    }),
  );
  if (problems.length) throw new ConfigError(problems.sort());
  return found;
}

