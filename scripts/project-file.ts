/**
 * Renders Pulumi.yaml from config-schema.ts, so the project's config declarations never drift from what the
 * program reads. `npm run gen:project` writes it; tests/project-file.test.ts fails when it is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigKey, PROJECT, configSchema } from "../config-schema";

export const PROJECT_FILE = path.resolve(__dirname, "..", "Pulumi.yaml");

/** YAML scalar: JSON strings are valid YAML and quote everything that needs quoting. */
const scalar = (v: unknown): string => JSON.stringify(v);

export function renderProjectFile(): string {
  const lines = [
    "# Generated from config-schema.ts by `npm run gen:project`; edit the schema, not this block.",
    `name: ${PROJECT}`,
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: true",
    "description: MCP Gateway, AI Security Stack and UI Console on AWS ECS Fargate (images to ECR, EFS state, ALB, Secrets Manager)",
    "config:",
  ];
  for (const [key, spec] of Object.entries(configSchema) as [string, ConfigKey][]) {
    lines.push(`  ${key}:`);
    lines.push(`    type: ${spec.type}`);
    if (spec.type === "array") {
      lines.push("    items:");
      lines.push("      type: string");
    }
    lines.push(`    description: ${scalar(spec.description)}`);
    if (spec.secret) lines.push("    secret: true");
    if (spec.default !== undefined) lines.push(`    default: ${scalar(spec.default)}`);
  }
  return lines.join("\n") + "\n";
}

if (require.main === module) {
  fs.writeFileSync(PROJECT_FILE, renderProjectFile());
  process.stdout.write(`wrote ${PROJECT_FILE}\n`);
}
