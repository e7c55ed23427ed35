# syntax=docker/dockerfile:1
# The vkctl runtime image: what the add-on's Deployment runs (`provider run`) and the interconnect
# sidecar of each CCI pod (`proxy`, with `vkctl proxy wait` / `vkctl proxy stop` exec'd in it).
#
#   docker build --build-arg VERSION=0.2.0 --build-arg REVISION=$(git rev-parse HEAD) -t vkctl/vkctl:0.2.0 .
#   (podman build takes the same arguments)
#
# It is the image `npm run image` builds on machines without a container daemon (scripts/image/
# build.sh, an OCI archive made with umoci and skopeo): the same bundle (scripts/image/bundle.mjs),
# the same root filesystem (scripts/image/rootfs.sh: node, glibc and libstdc++ from Debian 12, the CA
# bundle, nonroot 65532, no shell), the same config. This project's machines have no daemon, so this
# file is not built in CI; `npm run image` and test/integration/image.test.ts are what is proven.
# Keep the config below in step with build.sh's `umoci config` (user, entrypoint, env, ports, labels).

ARG NODE_VERSION=20

# Build: install, compile (type-checks, as `npm test` does), bundle, lay out the root.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ARG SOURCE_DATE_EPOCH=0
RUN npm run build \
 && node scripts/image/bundle.mjs /out/app \
 && apt-get update -qq \
 && SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH} bash scripts/image/rootfs.sh /out/rootfs /out/app

# Run: nothing but that root. No shell or package manager, so no RUN from here on.
FROM scratch
COPY --from=build /out/rootfs/ /
# The one path not owned by root (COPY --from's handling of ownership differs between builders).
COPY --from=build --chown=65532:65532 /out/rootfs/home/nonroot /home/nonroot
USER 65532:65532
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production
WORKDIR /app
EXPOSE 8443/tcp 9090/tcp 10250/tcp
ENTRYPOINT ["/usr/bin/node", "/app/vkctl.mjs"]
ARG VERSION=""
ARG REVISION=""
LABEL org.opencontainers.image.title="vkctl" \
      org.opencontainers.image.description="vkctl provider runtime: bursts Kubernetes pods to Huawei Cloud CCI" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.ref.name="vkctl/vkctl:${VERSION}" \
      org.opencontainers.image.base.name="scratch"
