# The gateway as a container, for hosts that can pull from a registry. Offline, the same image is built
# by the local builder: `node scripts/build-images.mjs --gateway` (tag docker-mcp-gateway:local).
# Build the project first (npm ci && npm run build), then: docker build -t docker-mcp-gateway .
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin bin
COPY dist dist
COPY oclif.manifest.json ./
COPY catalogs/docker-mcp.yaml catalogs/
ENV DOCKER_MCP_IN_CONTAINER=1 HOME=/root NODE_ENV=production
EXPOSE 8811
ENTRYPOINT ["node", "/app/bin/run.js", "gateway", "run"]
CMD ["--transport", "streaming", "--port", "8811"]
