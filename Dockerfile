# syntax=docker/dockerfile:1
# One image for every Herald app; the command picks the app:
#   node dist/apps/gateway/src/main.js       (default, WebSocket, port 8080)
#   node dist/apps/ingress/src/main.js       (push endpoints, port 8081)
#   node dist/apps/retry-worker/src/main.js  (redelivery, port 8082)

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Production dependencies only, installed fresh so no build tooling reaches the image.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# Files stay root-owned and read-only to the app; the chart also sets readOnlyRootFilesystem.
# Kubernetes needs the numeric uid (1000 = node) to verify runAsNonRoot.
USER node
EXPOSE 8080 8081 8082
# Node runs as PID 1: each app handles SIGTERM itself (the gateway drains), so no init is needed
# for signals; compose adds `init: true` for zombie reaping.
CMD ["node", "dist/apps/gateway/src/main.js"]
