# entra-sync: one image for the sync worker, the discovery worker and the `entra-sync` CLI.
#   docker build -t entra-sync:1.1.0 .   (the tag follows package.json and CHANGELOG.md)
#   docker run --rm entra-sync entra-sync --help
# The workers run as compiled JavaScript (npm run build: dist/workers/*.js, the workflows prebuilt
# next to them); the CLI runs its TypeScript through tsx (a runtime dependency), as in a checkout.

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The whole context (.dockerignore keeps it small): the build type-checks and compiles from it.
COPY . .
RUN npm run --silent build

FROM node:20.20-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; install scripts run (the Temporal core bridge and @swc/core ship
# prebuilt binaries for this platform inside their packages).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    METRICS_PORT=9464 \
    ENTRA_SYNC_DATA_DIR=/tmp/entra-sync
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY shared ./shared
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY receiver ./receiver
COPY client ./client
COPY schema ./schema
COPY simulator ./simulator
COPY --from=build /app/dist ./dist
RUN chmod 755 client/cli/bin.mjs && ln -s /app/client/cli/bin.mjs /usr/local/bin/entra-sync \
 && mkdir -p /var/lib/entra-sync/receiver-spool && chown -R 1000:1000 /var/lib/entra-sync
# The image's unprivileged `node` user.
USER 1000:1000
# 9464: a worker's /metrics and /healthz. The notification receiver (docs/notifications.md): 8490
# for Graph's POSTs, 9466 for its /metrics and /healthz.
EXPOSE 9464 8490 9466
# /healthz: 200 while the worker polls and PostgreSQL answers (METRICS_PORT=0 turns it off).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/workers/syncWorker.js"]
