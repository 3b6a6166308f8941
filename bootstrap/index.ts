// `pulumi up` in bootstrap/: the account's state bucket, secrets key, GitHub OIDC provider and CI roles.
import { bootstrap, readBootstrapConfig } from "./bootstrap";

export = bootstrap(readBootstrapConfig());
