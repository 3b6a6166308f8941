/**
 * Every system the stack can deploy, in build order (a system comes after those it `needs`). Adding a system
 * means one component file with its descriptor (components/systems/system.ts, SystemDescriptor) and one line here; the
 * composition, outputs, dashboard, plan and tests follow from the list.
 */
import { gatewaySystem } from "./gateway";
import { securityStackSystem } from "./security-stack";
import { SystemDescriptor } from "./system";
import { uiConsoleSystem } from "./ui-console";

export const SYSTEM_REGISTRY: readonly SystemDescriptor[] = [gatewaySystem, securityStackSystem, uiConsoleSystem];
