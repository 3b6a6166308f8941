/**
 * Images: an ECR repository per system (scan on push, content tags that accept a second push, lifecycle,
 * encryption) and an image built by docker-build from our Dockerfile with the app repo as
 * context, for the Fargate architecture, pushed with an ECR token, cached in the registry, and run BY DIGEST.
 *
 * The tag is a hash of what goes into the build, so these tests build from a scratch copy of the fixture app
 * repo and change files in it between runs: a change in an image's sources rolls that image (new tag, new
 * digest, new task definition), an unchanged tree or a change elsewhere leaves it as it was.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import "./support/quiet-pulumi";
import { ACCOUNT_ID, FIXTURE_APP_REPO, ProgramRun, ROOT, containerDefinitions, policyDocument, runProgram } from "./support/harness";
import { CACHE_TAG, UNTAGGED_IMAGE_DAYS } from "../components/shared/defaults";
import { Image } from "../components/resources/image";
import { Registry, RepositoryTags } from "./support/ecr";

const REPOSITORY = "aws:ecr/repository:Repository";
const IMAGE = "docker-build:index:Image";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/** Each image: its logical name, output key, Dockerfile, the task definition and container that run it. */
const IMAGES = [
  { image: "gateway", output: "gateway", dockerfile: "gateway.Dockerfile", service: "gateway", container: "gateway" },
  { image: "security", output: "securityStack", dockerfile: "security-stack.Dockerfile", service: "security", container: "management-plane" },
  { image: "console", output: "uiConsole", dockerfile: "ui-console.Dockerfile", service: "console", container: "console" },
] as const;
type ImageName = (typeof IMAGES)[number]["image"];

/** `<repository url>:<tag>@sha256:<digest>`, the only form tasks may run. */
const BY_DIGEST = /^(\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._/-]+):(sha-[0-9a-f]{16})@(sha256:[0-9a-f]{64})$/;

/** The image a task definition's container runs. */
function imageRun(run: ProgramRun, image: ImageName): string {
  const { service, container } = IMAGES.find((i) => i.image === image)!;
  return containerDefinitions(run.get(TASK_DEFINITION, service)).find((c) => c.name === container).image;
}
const tagOf = (run: ProgramRun, image: ImageName): string => BY_DIGEST.exec(imageRun(run, image))![2];

let scratch: string;
const checkout = (): string => path.join(scratch, "app");
const touch = (relative: string): void => fs.appendFileSync(path.join(checkout(), relative), "\n// changed by image.test.ts\n");

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ai-platform-image-"));
  fs.cpSync(FIXTURE_APP_REPO, checkout(), { recursive: true });
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let staging: ProgramRun;

describe("each system's image in the staging stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = staging = await runProgram({ stack: "staging", appRepoPath: checkout() });
  });

  describe.each(IMAGES)("$image", ({ image, output, dockerfile }) => {
    it("lives in an ECR repository that scans on push and is encrypted", () => {
      const repo = run.get(REPOSITORY, image).state;
      expect(repo.imageScanningConfiguration).toEqual({ scanOnPush: true });
      expect(repo.encryptionConfigurations).toEqual([{ encryptionType: "KMS" }]);
      expect(run.outputs.ecrRepositoryUrls[output]).toBe(repo.repositoryUrl);
    });

    it(`keeps an untagged image ${UNTAGGED_IMAGE_DAYS} days, so one a rolled-back service still runs outlives the next deploy`, () => {
      const policy = policyDocument(run.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", image));
      const untagged = policy.rules.filter((r: any) => r.selection.tagStatus === "untagged");
      expect(untagged.map((r: any) => [r.selection.countType, r.selection.countUnit, r.selection.countNumber])).toEqual([
        ["sinceImagePushed", "days", UNTAGGED_IMAGE_DAYS],
      ]);
      expect(UNTAGGED_IMAGE_DAYS).toBeGreaterThanOrEqual(7);
    });

    it("keeps the newest 10 built images (the stack's ecrKeepImages), never expiring the build cache", () => {
      const policy = policyDocument(run.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", image));
      expect(run.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", image).inputs.repository).toBe(run.get(REPOSITORY, image).state.name);
      const keep = policy.rules.find((r: any) => r.selection.countType === "imageCountMoreThan");
      expect(keep.selection.countNumber).toBe(10);
      expect(keep.action).toEqual({ type: "expire" });
      // The rule must select the tags builds actually push, and no rule may select the cache tag.
      expect(keep.selection.tagPrefixList.some((p: string) => tagOf(run, image).startsWith(p))).toBe(true);
      for (const rule of policy.rules) {
        const prefixes: string[] = rule.selection.tagPrefixList ?? [];
        expect(rule.selection.tagStatus === "any" || prefixes.some((p) => CACHE_TAG.startsWith(p))).toBe(false);
      }
    });

    it(`is built from dockerfiles/${dockerfile} with the app repo checkout as context, for linux/amd64`, () => {
      const build = run.get(IMAGE, image).inputs;
      expect(build.dockerfile.location).toBe(path.join(ROOT, "dockerfiles", dockerfile));
      expect(build.context.location).toBe(checkout());
      expect(build.platforms).toEqual(["linux/amd64"]);
      expect(build.push).toBe(true);
    });

    it("is pushed with the registry credentials of aws.ecr.getAuthorizationToken", () => {
      const build = run.get(IMAGE, image).inputs;
      const url = run.get(REPOSITORY, image).state.repositoryUrl;
      expect(build.registries).toEqual([{ address: url, username: "AWS", password: "mock-ecr-token" }]);
      expect(build.tags).toEqual([expect.stringMatching(new RegExp(`^${url.replace(/\./g, "\\.")}:sha-[0-9a-f]{16}$`))]);
    });

    it("reads and writes its build cache in the registry, in the image-manifest OCI form ECR requires", () => {
      const build = run.get(IMAGE, image).inputs;
      const cacheRef = `${run.get(REPOSITORY, image).state.repositoryUrl}:${CACHE_TAG}`;
      expect(build.cacheFrom).toEqual([{ registry: { ref: cacheRef } }]);
      expect(build.cacheTo).toEqual([{ registry: { ref: cacheRef, imageManifest: true, ociMediaTypes: true, mode: "max", ignoreError: true } }]);
    });

    it("does not fail the deploy when the cache export fails (BuildKit has pushed the image by then)", () => {
      for (const cache of run.get(IMAGE, image).inputs.cacheTo) expect(cache.registry.ignoreError).toBe(true);
    });

    it("runs in its task definition by digest: <repository>:<content tag>@sha256:<pushed digest>", () => {
      const ref = imageRun(run, image);
      expect(ref).toMatch(BY_DIGEST);
      const [, repositoryUrl, tag, digest] = BY_DIGEST.exec(ref)!;
      expect(repositoryUrl).toBe(run.get(REPOSITORY, image).state.repositoryUrl);
      expect(`${repositoryUrl}:${tag}`).toBe(run.get(IMAGE, image).inputs.tags[0]);
      expect(digest).toBe(run.outputs.imageDigests[output]);
    });
  });

  it("deletes each repository with its images on destroy of the unprotected stack", () => {
    for (const { image } of IMAGES) {
      const repo = run.get(REPOSITORY, image);
      expect([image, repo.inputs.forceDelete, repo.retainOnDelete]).toEqual([image, true, false]);
    }
  });

  it("the security stack's three containers all run the same image", () => {
    const images = containerDefinitions(run.get(TASK_DEFINITION, "security")).map((c) => c.image);
    expect(new Set(images)).toEqual(new Set([imageRun(run, "security")]));
  });

  it("every repository is in the deploying account's registry, in the stack's region", () => {
    for (const { image } of IMAGES) expect(run.get(REPOSITORY, image).state.repositoryUrl.startsWith(`${ACCOUNT_ID}.dkr.ecr.eu-west-1.`)).toBe(true);
  });

  describe("content tags: what rolls out and what does not", () => {
    let unchanged: ProgramRun;
    let uiChanged: ProgramRun;
    let gatewayChanged: ProgramRun;
    let gatewayReverted: ProgramRun;
    beforeAll(async () => {
      const gatewaySource = path.join(checkout(), "mcp-gateway/src/http-server.ts");
      const original = fs.readFileSync(gatewaySource);
      // The session's run from the fixture checkout: the same files in another directory, written at other times.
      unchanged = await runProgram({ stack: "staging" });
      touch("mcp-ui/src/main.ts");
      uiChanged = await runProgram({ stack: "staging", appRepoPath: checkout() });
      touch("mcp-gateway/src/http-server.ts");
      gatewayChanged = await runProgram({ stack: "staging", appRepoPath: checkout() });
      fs.writeFileSync(gatewaySource, original);
      gatewayReverted = await runProgram({ stack: "staging", appRepoPath: checkout() });
    });

    it("a revert of the gateway's code brings back the tag ECR already holds, and that push is accepted", () => {
      expect(tagOf(gatewayReverted, "gateway")).toBe(tagOf(uiChanged, "gateway"));
      // docker-build's update is a fresh build and push, and it also rebuilds when only its own context hash
      // moves (file modes) or after a failed cache export: assume every run of every image pushes again.
      const registry = new Registry();
      for (const r of [unchanged, uiChanged, gatewayChanged, gatewayReverted]) {
        for (const { image } of IMAGES) {
          const repo = r.get(REPOSITORY, image).state as RepositoryTags;
          const build = r.get(IMAGE, image).inputs;
          for (const ref of [...build.tags, build.cacheTo[0].registry.ref]) registry.push(repo, ref);
        }
      }
      expect(registry.refused).toEqual([]);
      expect(registry.pushes).toBe(4 * IMAGES.length * 2);
    });

    it("the revert runs exactly the digest its push produced, whatever the tag pointed at before", () => {
      const [, , , digest] = BY_DIGEST.exec(imageRun(gatewayReverted, "gateway"))!;
      expect(digest).toBe(gatewayReverted.get(IMAGE, "gateway").state.digest);
    });

    it("the same sources in another checkout give every image the same tag and every task definition the same image", () => {
      for (const { image } of IMAGES) expect(imageRun(unchanged, image)).toBe(imageRun(run, image));
    });

    it("a change in mcp-ui rolls the console and leaves the gateway's and security stack's tags alone", () => {
      expect(tagOf(uiChanged, "console")).not.toBe(tagOf(run, "console"));
      expect(imageRun(uiChanged, "console")).not.toBe(imageRun(run, "console"));
      expect(imageRun(uiChanged, "gateway")).toBe(imageRun(run, "gateway"));
      expect(imageRun(uiChanged, "security")).toBe(imageRun(run, "security"));
    });

    it("a change in the gateway's sources gives it a new tag, a new digest and a new task definition image", () => {
      expect(tagOf(gatewayChanged, "gateway")).not.toBe(tagOf(uiChanged, "gateway"));
      expect(gatewayChanged.outputs.imageDigests.gateway).not.toBe(uiChanged.outputs.imageDigests.gateway);
      expect(imageRun(gatewayChanged, "gateway")).not.toBe(imageRun(uiChanged, "gateway"));
      expect(imageRun(gatewayChanged, "security")).toBe(imageRun(uiChanged, "security"));
    });
  });
});

describe("a missing app repo checkout", () => {
  it("fails the preview, naming the path and how to set appRepoPath", async () => {
    const missing = path.join(scratch, "no-such-checkout");
    await expect(runProgram({ stack: "staging", appRepoPath: missing })).rejects.toThrow(
      `image gateway: the app repo checkout is missing ${missing}, ${path.join(missing, "mcp-gateway")}; ` +
        "clone the app repo there or set appRepoPath (`pulumi config set appRepoPath <path>`)",
    );
  });

  it("fails on a checkout without one of the image's source folders, naming the folder", async () => {
    const partial = path.join(scratch, "partial");
    fs.cpSync(FIXTURE_APP_REPO, partial, { recursive: true });
    fs.rmSync(path.join(partial, "tupl_data_plane"), { recursive: true });
    await expect(runProgram({ stack: "staging", appRepoPath: partial })).rejects.toThrow(
      `image security: the app repo checkout is missing ${path.join(partial, "tupl_data_plane")}; clone the app repo there or set appRepoPath`,
    );
  });

  it("is a warning in the offline plan (AI_PLATFORM_OFFLINE_PLAN=1), which plans everything else", async () => {
    const missing = path.join(scratch, "no-such-checkout");
    const run = await runProgram({ stack: "staging", appRepoPath: missing, env: { AI_PLATFORM_OFFLINE_PLAN: "1" } });
    for (const { image } of IMAGES) {
      expect(run.warnings).toContainEqual(expect.stringContaining(`image ${image}: the app repo checkout is missing ${missing}`));
    }
    // ChromaDB's copy and the restore test's check take nothing from the checkout, so they are planned as built.
    expect(run.ofType(IMAGE).map((i) => i.name)).toEqual(["gateway-chroma", "backup-restore-test-check"]);
    expect(run.ofType(REPOSITORY)).toHaveLength(5);
    expect(run.ofType("aws:ecs/service:Service")).toHaveLength(3);
    expect(imageRun(run, "gateway")).toBe(`${run.get(REPOSITORY, "gateway").state.repositoryUrl}:not-built`);
  });
});

describe("a prod stack built for ARM64", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    // Not promoted: staging builds for x86_64, so prod's ARM64 images are ones staging never ran, which promotion
    // refuses (tests/promotion.test.ts); this describes the build alone.
    run = await runProgram({ stack: "prod", appRepoPath: checkout(), config: { architecture: "ARM64", promoteFrom: "" } });
  });

  it("builds every image for linux/arm64, ChromaDB's copy and the restore check included", () => {
    expect(run.ofType(IMAGE).map((i) => [i.name, i.inputs.platforms]).sort()).toEqual(
      [...IMAGES.map(({ image }) => image), "gateway-chroma", "backup-restore-test-check"].sort().map((image) => [image, ["linux/arm64"]]),
    );
  });

  it("runs every task on ARM64, so no image meets a CPU it was not built for", () => {
    const platforms = run.ofType(TASK_DEFINITION).map((td) => [td.name, td.inputs.runtimePlatform.cpuArchitecture]);
    expect(platforms.map(([name]) => name).sort()).toEqual(IMAGES.map((i) => i.service).sort());
    for (const [name, arch] of platforms) expect([name, arch]).toEqual([name, "ARM64"]);
  });

  it("tags the ARM64 build differently from the x86_64 one: the architecture is part of the content", () => {
    const x86Tags = new Set(staging.ofType(IMAGE).map((i) => i.inputs.tags[0].split(":").pop()));
    for (const { image } of IMAGES) expect(x86Tags.has(tagOf(run, image))).toBe(false);
  });

  it("keeps 30 images, and keeps each repository with its images on destroy instead of failing on them", () => {
    for (const { image } of IMAGES) {
      const keep = policyDocument(run.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", image)).rules.find(
        (r: any) => r.selection.countType === "imageCountMoreThan",
      );
      const repo = run.get(REPOSITORY, image);
      expect([image, keep.selection.countNumber, repo.inputs.forceDelete, repo.retainOnDelete]).toEqual([image, 30, false, true]);
      expect(run.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", image).retainOnDelete).toBe(true);
    }
  });
});

// Constructs the component directly under its own mocks; last, because a program run replaces the mock monitor
// that the component's pending registrations still talk to.
describe("a missing Dockerfile", () => {
  it("fails the preview, naming the file that should be under dockerfiles/", async () => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs }, "ai-platform", "unit", false);
    const args = {
      dockerfile: "missing.Dockerfile",
      contextPath: FIXTURE_APP_REPO,
      sourceDirs: ["mcp-gateway"],
      architecture: "X86_64" as const,
      keepImages: 10,
      protectState: false,
    };
    expect(() => new Image("probe", args)).toThrow(
      `image probe: Dockerfile ${path.join(ROOT, "dockerfiles", "missing.Dockerfile")} does not exist; add it under dockerfiles/`,
    );
  });
});
