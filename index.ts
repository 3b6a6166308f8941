/**
 * The program: reads the stack config once, composes the stack from the system registry, and exports the
 * outputs contract (docs/outputs.md; pinned by tests/outputs.test.ts): the shared outputs and, for each enabled
 * system, the URL output its descriptor names. Never rename an output silently.
 */
import { loadConfig } from "./config";
import { SYSTEM_REGISTRY } from "./components/systems/registry";
import { composeStack } from "./components/stack";

export = composeStack(loadConfig(), SYSTEM_REGISTRY);
