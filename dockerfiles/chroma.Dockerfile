# ChromaDB, the gateway's vector store (a sidecar in the gateway's task): the vendor's image, copied into
# our ECR repository when the stack is deployed, so the task runs it by digest from our registry. A tag on
# Docker Hub can be moved or deleted; a digest in our repository cannot, and ECR scans it on push.
#
# CHROMA_IMAGE is the stack's gatewayChromaImage, an exact version or a digest (config.ts refuses anything
# else). No build context is sent (chroma.Dockerfile.dockerignore ignores everything): what we add, the single
# writer's entrypoint, comes from dockerfiles/writer/ through the `infra` named context.
ARG CHROMA_IMAGE
FROM ${CHROMA_IMAGE}
# writer-lock runs with bash and util-linux's flock, both essential Debian packages of the vendor's
# debian:stable-slim base: fail the build if a new base drops them. /var/lib/writer is the writer access point's
# mount; owned by the server's user here so the image also runs without it.
COPY --from=infra --chmod=0755 writer/writer-lock writer/state-snapshot /usr/local/bin/
RUN command -v bash flock \
 && mkdir -p /var/lib/writer \
 && chown 1000:1000 /var/lib/writer
# chromadb/chroma 1.x (rust/Dockerfile, target cli: debian:stable-slim, `dumb-init -- chroma run
# /config.yaml`) has no USER, so it runs as root. The server writes its persist_path (/data in /config.yaml),
# which the task mounts from EFS through an access point owned by uid/gid 1000, and may write temporary files
# (SQLite's temp store) in /tmp; `chroma run` reads no home directory. So it runs as that owner, with a
# read-only root.
USER 1000:1000
# An empty task volume at /tmp: Fargate fills it with what the image has at a VOLUME of the same path
# (bind-mount considerations in the ECS guide), Debian's /tmp (root, 1777), so uid 1000 can write it.
VOLUME ["/tmp"]
# The server's port (/config.yaml); the gateway calls it on localhost inside the task.
EXPOSE 8000
# The vendor's entrypoint is `dumb-init -- chroma` with CMD `run /config.yaml` (rust/Dockerfile, target cli):
# the same, with the server started only once its task holds the gateway volume's writer lock. Chroma has no
# online backup, so its nightly copy is taken with the server frozen for the copy (STATE_SNAPSHOT_FREEZE).
ENTRYPOINT ["dumb-init", "--", "/usr/local/bin/writer-lock", "chroma"]
CMD ["run", "/config.yaml"]
