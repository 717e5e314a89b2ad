# syntax=docker/dockerfile:1
#
# KazRu-STT Pro image: one image for both roles. `ROLES=api`, `ROLES=worker` or `ROLES=api,worker`
# (default) picks what a container runs. Data (uploads, the SQLite database) lives in /data.
#
#   docker build -t kazru-stt-pro .
#   docker run -p 4000:4000 -v kazru-data:/data -e REDIS_URL=redis://host:6379 \
#     -e YANDEX_API_KEY=... -e YANDEX_FOLDER_ID=... kazru-stt-pro
#
# See docker-compose.yml for Redis + api + worker.

# ---------------------------------------------------------------------------------------------
# Build stage: full dependency tree, TypeScript compile, web client + GraphiQL (dist/client).
# ---------------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Dependencies first so this layer is cached while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build


# ---------------------------------------------------------------------------------------------
# Runtime stage: production dependencies, compiled output, ffmpeg, non-root user.
# ---------------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
ENV NODE_ENV=production

# package.json is needed at run time too ("type": "module" makes dist/*.js ES modules).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Code stays owned by root (read-only for the app user); only /data is writable.
COPY --from=build /app/dist ./dist

ENV DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=4000 \
    ROLES=api,worker

# Created and chowned before VOLUME so a fresh named volume inherits the app user's ownership.
RUN mkdir -p /data && chown app:app /data
VOLUME ["/data"]

USER app
EXPOSE 4000

# The slim image has no curl: use Node's fetch. A worker-only container serves no HTTP and is
# reported healthy while its process runs. /api/v1/health answers 503 when the database, Redis,
# ffmpeg or the SpeechKit configuration is unusable, which marks the container unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const roles = (process.env.ROLES || 'api,worker').split(',').map((r) => r.trim()); if (!roles.includes('api')) process.exit(0); fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/api/v1/health', { signal: AbortSignal.timeout(8000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]

# V8 young generation capped at 4 MB per semi-space, first old-generation limit 128 MB: see README "Performance".
CMD ["node", "--max-semi-space-size=4", "--initial-old-space-size=128", "dist/src/main.js"]
