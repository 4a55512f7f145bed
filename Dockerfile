# syntax=docker/dockerfile:1
# The operator image: compiled JavaScript (docs/adr/0035) on Node 24, no npm, non-root.
#   docker build -t ghcr.io/titan-platform/posture .   (then deploy it by digest: the chart
#   takes image.digest only)
# NODE_IMAGE must stay pinned by digest (src/cli/dockerfile.test.ts checks it). The
# default is node:24-bookworm-slim (24.18.0) as published; bump tag comment and digest together.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# Compile src/ into dist/ (bin/build-dist), with every dependency.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin/build-dist bin/build-dist
COPY src src
RUN npm run build

# The production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts

# What runs: node, dist/ and the production node_modules. npm, npx, corepack and yarn are
# removed, so nothing in the pod can install code.
FROM ${NODE_IMAGE} AS operator
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
ENV NODE_ENV=production
# docs/adr/0064: two malloc arenas are enough for the operator's native allocations.
ENV MALLOC_ARENA_MAX=2
# docs/adr/0066: fixed thresholds, so memory a burst freed goes back to the system.
ENV MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
# The chart runs it as 65532 too (runAsNonRoot needs a numeric user).
USER 65532:65532
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["operator"]
