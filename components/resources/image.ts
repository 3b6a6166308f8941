import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import dockerignore from "@balena/dockerignore";
import { Architecture } from "../../config";
import { CACHE_TAG, UNTAGGED_IMAGE_DAYS } from "../shared/defaults";
import { childOptions, formerNames } from "../shared/naming";

/** Directory of our Dockerfiles; also the `infra` named build context (nginx template, scripts). */
export const DOCKERFILES_DIR = path.resolve(__dirname, "..", "..", "dockerfiles");

/** The folder of `dockerfiles/` with the single writers' entrypoint and snapshot tools, which their images copy. */
export const WRITER_INFRA_DIR = "writer";

/**
 * What an image is built from besides the app checkout, the architecture and its build arguments: with them, what
 * decides its content tag. A system whose promotion compares content tags declares it once, for its component and
 * for the check that runs before the component exists (components/systems/promotion.ts).
 */
export interface ImageSource {
  /** Dockerfile under `dockerfiles/`. @example "gateway.Dockerfile" */
  dockerfile: string;
  /**
   * Folders of the app repo this image is built from; their content (and the Dockerfile's) decides the tag.
   * @example ["mcp-gateway"]
   */
  sourceDirs: string[];
  /**
   * Folders of `dockerfiles/` the build reads through the `infra` named context.
   * @example ["ui-console"]
   */
  infraDirs?: string[];
}

export interface ImageArgs extends ImageSource {
  /** Absolute path of the app repo checkout (the build context). */
  contextPath: string;
  /** Build arguments (e.g. the console's VITE_* URLs); they are part of the tag too. */
  buildArgs?: Record<string, pulumi.Input<string>>;
  /** Fargate CPU architecture the image must run on. @default "X86_64" */
  architecture: Architecture;
  /** Tagged images the repository keeps; older ones expire. @default 20 */
  keepImages: number;
  /**
   * What a missing checkout means: `error` fails preview (the default, and what `pulumi preview`/`up` do);
   * `warn` (the offline plan) reports it and plans the rest.
   */
  missingContext?: "error" | "warn";
  /**
   * Keep the repository and its images on `pulumi destroy` (prod); off deletes them with the stack, images
   * included.
   */
  protectState: boolean;
}

/** `linux/amd64` or `linux/arm64`: what buildx calls the Fargate architecture. */
export function platformOf(architecture: Architecture): dockerBuild.Platform {
  return architecture === "ARM64" ? dockerBuild.Platform.Linux_arm64 : dockerBuild.Platform.Linux_amd64;
}

/**
 * An ECR repository and an image built from one of our Dockerfiles against the app repo, pushed to it.
 *
 * The tag is a hash of what goes into the build (Dockerfile, ignore file, source folders, build args), so an
 * unchanged build keeps its tag and is not rebuilt. Tasks use `imageRef`, which pins the pushed digest: a changed
 * image rolls out, an unchanged one does not, and what runs never depends on where a tag points.
 */
export class Image extends pulumi.ComponentResource {
  public readonly repository: aws.ecr.Repository;
  public readonly image?: dockerBuild.Image;
  /** `<repo>:<tag>@sha256:<digest>`; what task definitions run. */
  public readonly imageRef: pulumi.Output<string>;
  public readonly digest: pulumi.Output<string>;
  /** The content tag (`sha-<16 hex>`): the same inputs give the same tag in every stack (the `imageTags` output). */
  public readonly tag: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;

  constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:image:Image", name, {}, opts);
    const child = (childName: string) => childOptions(this, name, formerNames(opts), childName);

    const dockerfilePath = path.join(DOCKERFILES_DIR, args.dockerfile);
    if (!fs.existsSync(dockerfilePath)) {
      throw new pulumi.RunError(`image ${name}: Dockerfile ${dockerfilePath} does not exist; add it under dockerfiles/`);
    }
    const missing = missingSources(args.contextPath, args.sourceDirs);

    // Kept on destroy of a protected stack: `forceDelete` off alone would make destroy fail on a repository
    // that still holds images (RepositoryNotEmptyException).
    const kept = { ...child(name), retainOnDelete: args.protectState };
    this.repository = new aws.ecr.Repository(
      name,
      {
        // Content tags must accept a second push. docker-build's update is always a fresh build and push to
        // the same tag, and ECR refuses any push to an existing immutable tag, even of the same digest: a revert
        // to code whose tag is still kept, a rebuild that only docker-build's own context hash notices (file
        // modes), and a retry after a failed cache export would all fail `pulumi up`. Tasks pin the digest, so a
        // moved tag never changes what runs.
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: !args.protectState,
      },
      kept,
    );
    new aws.ecr.LifecyclePolicy(
      name,
      { repository: this.repository.name, policy: JSON.stringify(lifecyclePolicy(args.keepImages)) },
      kept,
    );
    this.repositoryUrl = this.repository.repositoryUrl;

    if (missing.length > 0) {
      const message =
        `image ${name}: the app repo checkout is missing ${missing.join(", ")}; ` +
        `clone the app repo there or set appRepoPath (\`pulumi config set appRepoPath <path>\`)`;
      if (args.missingContext !== "warn") throw new pulumi.RunError(message);
      pulumi.log.warn(`${message}. The plan shows the image as not built.`, this);
      this.digest = pulumi.output(NOT_BUILT);
      this.tag = pulumi.output(NOT_BUILT);
      this.imageRef = pulumi.interpolate`${this.repository.repositoryUrl}:not-built`;
      this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
      return;
    }

    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, { parent: this });
    const buildArgs = args.buildArgs ?? {};
    const tag = pulumi.all(buildArgs).apply((resolved) => contentTag(args, args.contextPath, args.architecture, resolved));
    this.tag = tag;
    const cacheRef = pulumi.interpolate`${this.repository.repositoryUrl}:${CACHE_TAG}`;

    this.image = new dockerBuild.Image(
      name,
      {
        context: {
          location: args.contextPath,
          named: { infra: { location: DOCKERFILES_DIR } },
        },
        dockerfile: { location: dockerfilePath },
        platforms: [platformOf(args.architecture)],
        buildArgs,
        tags: [pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`],
        push: true,
        // Building on preview would need Docker on every preview runner and minutes per preview.
        buildOnPreview: false,
        registries: [{ address: this.repository.repositoryUrl, username: auth.userName, password: auth.password }],
        // ECR needs the image-manifest, OCI-typed cache format.
        cacheFrom: [{ registry: { ref: cacheRef } }],
        // BuildKit pushes the image before it exports the cache: a failed export (throttling, a cache bigger than
        // a layer upload allows) must not fail a deploy whose image is already in the registry.
        cacheTo: [{ registry: { ref: cacheRef, imageManifest: true, ociMediaTypes: true, mode: dockerBuild.CacheMode.Max, ignoreError: true } }],
      },
      child(name),
    );
    this.digest = this.image.digest;
    this.imageRef = this.image.ref;

    this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef, digest: this.digest, tag: this.tag });
  }
}

/** What an image's digest and tag say when the app checkout is missing (the offline plan plans the rest). */
export const NOT_BUILT = "(not built: app repo checkout missing)";

/** The paths an image's build needs from the app checkout that do not exist: the checkout, then each source folder. */
export function missingSources(contextPath: string, sourceDirs: string[]): string[] {
  return [contextPath, ...sourceDirs.map((d) => path.join(contextPath, d))].filter((p) => !fs.existsSync(p));
}

/**
 * The content tag of an image built from `source` against the checkout at `contextPath` with these (resolved) build
 * arguments: `sha-` and 16 hex digits of `contentHash`. The image component tags its push with it; the promotion
 * check computes it before any resource exists.
 */
export function contentTag(source: ImageSource, contextPath: string, architecture: Architecture, buildArgs: Record<string, string> = {}): string {
  const dockerfilePath = path.join(DOCKERFILES_DIR, source.dockerfile);
  return `sha-${contentHash({ dockerfilePath, contextPath, sourceDirs: source.sourceDirs, infraDirs: source.infraDirs ?? [], buildArgs, architecture })}`;
}

/** ECR lifecycle: drop untagged images after `UNTAGGED_IMAGE_DAYS`, keep the newest `keep` content-tagged images. */
export function lifecyclePolicy(keep: number): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${UNTAGGED_IMAGE_DAYS} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: UNTAGGED_IMAGE_DAYS },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keep} built images`,
        selection: { tagStatus: "tagged", tagPrefixList: ["sha-"], countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  };
}

/**
 * The build's ignore rules (`<Dockerfile>.dockerignore`, Docker's semantics: last match wins, `!` re-includes)
 * and whether a directory can be skipped whole: only when it is ignored and no `!` rule reaches inside it.
 */
function ignoreRules(dockerfilePath: string): { ignores(p: string): boolean; prunable(dir: string): boolean } {
  const ignoreFile = `${dockerfilePath}.dockerignore`;
  const text = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8") : "";
  const rules = dockerignore().add(text);
  const exceptions = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("!"))
    .map((l) => l.slice(1).replace(/^\/+/, ""));
  return {
    ignores: (p) => rules.ignores(p),
    prunable: (dir) => rules.ignores(dir) && !exceptions.some((e) => e.startsWith(`${dir}/`) || /[*?[]/.test(e)),
  };
}

/**
 * A short hash of everything that decides the image's content. Files are walked in sorted order so the hash
 * is the same on every machine; `.dockerignore`d paths (node_modules, target, ...) are skipped.
 */
export function contentHash(input: {
  dockerfilePath: string;
  contextPath: string;
  sourceDirs: string[];
  infraDirs: string[];
  buildArgs: Record<string, string>;
  architecture: Architecture;
}): string {
  const { dockerfilePath, buildArgs, architecture } = input;
  const hash = crypto.createHash("sha256");
  hash.update(fs.readFileSync(dockerfilePath));
  if (fs.existsSync(`${dockerfilePath}.dockerignore`)) hash.update(fs.readFileSync(`${dockerfilePath}.dockerignore`));
  hash.update(JSON.stringify({ buildArgs: Object.entries(buildArgs).sort(), architecture }));
  const rules = ignoreRules(dockerfilePath);
  const walk = (root: string, label: string, rel: string): void => {
    const abs = path.join(root, rel);
    const stat = fs.statSync(abs);
    if (stat.isDirectory()) {
      if (label === "app" && rules.prunable(rel)) return;
      for (const entry of fs.readdirSync(abs).sort()) walk(root, label, path.posix.join(rel, entry));
    } else if (stat.isFile()) {
      if (label === "app" && rules.ignores(rel)) return;
      hash.update(`${label}:${rel}`);
      hash.update(fs.readFileSync(abs));
    }
  };
  for (const dir of [...input.sourceDirs].sort()) walk(input.contextPath, "app", dir);
  // Files the build reads through the named `infra` context (nginx template, scripts) are part of it too.
  for (const dir of [...input.infraDirs].sort()) walk(DOCKERFILES_DIR, "infra", dir);
  return hash.digest("hex").slice(0, 16);
}
