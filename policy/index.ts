import { PolicyPack } from "@pulumi/policy";
import { awsGuardConfig, awsGuardPolicies } from "./awsguard";
import { policies } from "./rules";

// Constructing the pack starts the analyzer the Pulumi CLI talks to; the rules live in rules.ts and awsguard.ts
// so tests can run them without it. AWSGuard's rules run beside ours at the pack's level, except those
// awsguard.ts lowers, each with its reason.
new PolicyPack("ai-platform", { policies: [...policies, ...awsGuardPolicies()], enforcementLevel: "mandatory" }, awsGuardConfig());
