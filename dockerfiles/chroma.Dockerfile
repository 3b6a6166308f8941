# ChromaDB, the gateway's vector store (a sidecar in the gateway's task): the vendor's image, copied into
# our ECR repository when the stack is deployed, so the task runs it by digest from our registry. A tag on
# Docker Hub can be moved or deleted; a digest in our repository cannot, and ECR scans it on push.
#
# CHROMA_IMAGE is the stack's gatewayChromaImage, an exact version or a digest (config.ts refuses anything
# else). No build context is sent (chroma.Dockerfile.dockerignore ignores everything): nothing of ours goes
# into the image.
ARG CHROMA_IMAGE
FROM ${CHROMA_IMAGE}
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
