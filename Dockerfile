# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run the compiled output with production ones only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY src ./src
COPY cards ./cards
RUN npm run build && npm run build:web

FROM node:24-bookworm-slim AS runtime
# Chromium renders the printable archive's PDF (CJK fonts for Chinese text); CHROMIUM_PATH points at it.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data CHROMIUM_PATH=/usr/bin/chromium
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Runtime files sit where the compiled code looks for them (paths relative to dist/src).
COPY migrations ./dist/migrations
COPY org.example.yaml ./dist/
COPY src/queue/lua ./dist/src/queue/lua
COPY --from=build /app/web-dist ./dist/web-dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
