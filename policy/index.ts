import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

// Constructing the pack starts the analyzer the Pulumi CLI talks to; the rules live in rules.ts so tests can run
// them without it. AWSGuard is not served here any more (policy/README.md, "AWSGuard"): it runs in the tests only.
new PolicyPack("ai-platform", { policies, enforcementLevel: "mandatory" });
