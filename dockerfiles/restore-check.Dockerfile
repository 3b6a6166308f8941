# The restore test's check (components/restore-test.ts): dockerfiles/writer/restore-check on the Python the
# security stack's image runs on, copied into our ECR repository and run by digest. It reads a restored file
# system mounted read-only and exits 0 when what a restore would bring back is whole (SQLite integrity_check,
# JSON that parses, snapshots recent).
#
# No build context is sent (restore-check.Dockerfile.dockerignore ignores everything): the script comes from
# dockerfiles/writer/ through the `infra` named context.
FROM python:3.12.13-slim-bookworm
COPY --from=infra --chmod=0755 writer/restore-check /usr/local/bin/restore-check
ENV PYTHONDONTWRITEBYTECODE=1
# The owner of every restored file (the access points' uid/gid): it reads them without root.
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/restore-check"]
