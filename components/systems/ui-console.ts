import * as pulumi from "@pulumi/pulumi";
import { FargateService } from "../service/fargate-service";
import { SystemArgs, SystemDescriptor, sharedImageArgs, sharedServiceArgs } from "./system";
import { wgetHealthCheck } from "../service/health-checks";
import { Image } from "../resources/image";

/** nginx runs unprivileged in the image; Fargate cannot grant the capability to bind port 80. */
export const CONSOLE_PORT = 8080;
/** The nginx user and group of the unprivileged base image, the image's USER. */
export const CONSOLE_USER = "101:101";
/**
 * What nginx writes under a read-only root: /tmp holds its pid file and temp paths (the base image's
 * nginx.conf), /etc/nginx/conf.d the server config the render script writes at start.
 */
export const CONSOLE_WRITABLE_PATHS = ["/tmp", "/etc/nginx/conf.d"];

/**
 * What this system's component and image were named before the system took one spelling ("console"): their
 * aliases keep the ECR repository and its images in a live stack.
 */
const FORMER_NAME = "ui-console";
const renamed = { aliases: [{ name: FORMER_NAME }] };

export interface UiConsoleArgs extends SystemArgs {
  /** The management plane's public URL (VITE_API_BASE_URL), an output of the security stack. */
  apiUrl: pulumi.Input<string>;
  /** The gateway's public URL (VITE_GATEWAY_BASE_URL), an output of the gateway. */
  gatewayUrl: pulumi.Input<string>;
}

/** The origin (scheme://host[:port]) of a URL, for the Content-Security-Policy. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

/**
 * The UI Console: a Vite SPA built with the other systems' public URLs baked in, served by unprivileged nginx
 * whose Content-Security-Policy admits exactly those origins. Stateless, so it autoscales.
 */
export class UiConsole extends pulumi.ComponentResource {
  public readonly image: Image;
  public readonly service: FargateService;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: UiConsoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:system:UiConsole", name, {}, opts);
    const { config, platform } = args;
    const ui = config.uiConsole;
    const parent = { parent: this };

    this.image = new Image(
      name,
      {
        ...sharedImageArgs(config),
        dockerfile: "ui-console.Dockerfile",
        sourceDirs: ["mcp-ui"],
        infraDirs: ["ui-console"],
        buildArgs: {
          VITE_API_BASE_URL: args.apiUrl,
          VITE_GATEWAY_BASE_URL: args.gatewayUrl,
          VITE_SUPABASE_URL: config.supabase.url,
          VITE_SUPABASE_ANON_KEY: config.supabase.anonKey,
        },
      },
      { ...parent, ...renamed },
    );

    this.service = new FargateService(
      name,
      {
        ...sharedServiceArgs(args),
        size: ui,
        capacity: ui.capacity,
        containers: [
          {
            name: "console",
            image: { ref: this.image.imageRef, repositoryArn: this.image.repository.arn },
            ports: [CONSOLE_PORT],
            // Rendered into the nginx Content-Security-Policy when the container starts.
            environment: {
              API_ORIGIN: pulumi.output(args.apiUrl).apply(originOf),
              GATEWAY_ORIGIN: pulumi.output(args.gatewayUrl).apply(originOf),
              SUPABASE_ORIGIN: originOf(config.supabase.url),
            },
            healthCheck: { ...wgetHealthCheck(CONSOLE_PORT), intervalSeconds: 15, startPeriodSeconds: 10 },
            user: CONSOLE_USER,
            writablePaths: CONSOLE_WRITABLE_PATHS,
          },
        ],
        exposedPorts: [{ endpoint: platform.endpoint("console"), containerName: "console", containerPort: CONSOLE_PORT, healthCheckPath: "/health" }],
        healthCheckGracePeriodSeconds: 30,
        scaling: { mode: "stateless", min: ui.minCount, max: ui.maxCount },
        egress: "https",
      },
      parent,
    );

    this.url = platform.endpoint("console").url;
    this.registerOutputs({ url: this.url });
  }
}

/** The UI Console in the system registry: built after the two systems whose URLs it bakes in. */
export const uiConsoleSystem: SystemDescriptor = {
  key: "uiConsole",
  title: "UI Console",
  componentType: "ai-platform:system:UiConsole",
  usage: { logsGb: 1, ecrStoredGb: 0.1 },
  endpoints: [{ name: "console", subdomain: "console", listenerPort: (c) => c.alb.ports.console, output: "consoleUrl" }],
  needs: ["gateway", "securityStack"],
  promotion: { by: "appRevision", why: "its bundle bakes in each stack's API, gateway and Supabase URLs, so its content tag differs between stacks by design" },
  create: (args, built) => {
    // config.ts refuses the console without both backends, so both surfaces exist here.
    const apiUrl = built.securityStack!.urls.api;
    const gatewayUrl = built.gateway!.urls.gateway;
    const ui = new UiConsole("console", { ...args, apiUrl, gatewayUrl }, renamed);
    return { image: ui.image, service: ui.service, secrets: {}, urls: { console: ui.url } };
  },
};
