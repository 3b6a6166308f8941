/**
 * The access points of a volume: one per directory tree, and the writer's.
 */
/** One directory tree of the file system, entered through its own access point. */
export interface AccessPointSpec {
  /** Volume name used in the task definition, and the directory's name under the volume's root. @example "tenants" */
  name: string;
  /**
   * What a restore does not bring back: data the system rebuilds on its own (a model cache). It has no snapshot,
   * and on a restored file system it starts empty. @default false
   */
  rebuildable?: boolean;
  /** POSIX user every file operation through this access point runs as. @default ACCESS_POINT_OWNER.uid (1000) */
  uid?: number;
  /** POSIX group of every file operation through this access point. @default ACCESS_POINT_OWNER.gid (1000) */
  gid?: number;
  /** Mode of the directory when EFS creates it. @default ACCESS_POINT_OWNER.permissions ("0750") */
  permissions?: string;
  /**
   * Files the restore test requires in the snapshot whenever the backed-up live directory has them.
   * @example ["tenants.json"]
   */
  restoreRequires?: string[];
}

/**
 * The access point of the volume's writer directory (components/systems/single-writer.ts): its lock and its consistent
 * snapshots, `<root>/writer/snapshot/<access point>`.
 */
export const WRITER_ACCESS_POINT = "writer";
