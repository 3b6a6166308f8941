/**
 * ECR's rule for a push to a tag, as the PutImage API reference states it: a repository whose tags are
 * immutable refuses a push to a tag it already holds (ImageTagAlreadyExistsException), even of the same digest.
 * `IMMUTABLE_WITH_EXCLUSION` makes the tags matching its wildcard filters mutable; `MUTABLE_WITH_EXCLUSION` makes
 * the matching ones immutable. A test pushes what the program's builds push and reads what was refused.
 */

/** An ECR repository's tag settings, as the program's inputs give them. */
export interface RepositoryTags {
  repositoryUrl: string;
  imageTagMutability?: string;
  imageTagMutabilityExclusionFilters?: { filter: string; filterType: string }[];
}

/** ECR's wildcard filters: `*` matches any run of characters, everything else itself. */
function matchesWildcard(filter: string, tag: string): boolean {
  const pattern = filter.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${pattern}$`).test(tag);
}

/** Whether ECR refuses a second push to this tag of the repository. */
export function tagIsImmutable(repo: RepositoryTags, tag: string): boolean {
  const excluded = (repo.imageTagMutabilityExclusionFilters ?? []).some((f) => matchesWildcard(f.filter, tag));
  switch (repo.imageTagMutability ?? "MUTABLE") {
    case "MUTABLE":
      return false;
    case "IMMUTABLE":
      return true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return !excluded;
    case "MUTABLE_WITH_EXCLUSION":
      return excluded;
    default:
      throw new Error(`unknown imageTagMutability ${repo.imageTagMutability}`);
  }
}

/** The tags pushed so far, per repository, and the pushes ECR refused. */
export class Registry {
  private readonly tags = new Map<string, Set<string>>();
  public readonly refused: string[] = [];
  public pushes = 0;

  /** Pushes `<repositoryUrl>:<tag>` into the repository. */
  push(repo: RepositoryTags, ref: string): void {
    if (!ref.startsWith(`${repo.repositoryUrl}:`)) throw new Error(`${ref} is not in repository ${repo.repositoryUrl}`);
    const tag = ref.slice(repo.repositoryUrl.length + 1);
    const held = this.tags.get(repo.repositoryUrl) ?? new Set<string>();
    this.pushes++;
    if (held.has(tag) && tagIsImmutable(repo, tag)) {
      this.refused.push(`${ref}: ImageTagAlreadyExistsException`);
      return;
    }
    held.add(tag);
    this.tags.set(repo.repositoryUrl, held);
  }
}
