# Cutover's services, for docker-compose.yml. The same code the CLI runs: `cutover <command>`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
# npm ci builds the TypeScript (the root package's prepare script).
RUN npm ci --no-audit --no-fund && npm cache clean --force
ENTRYPOINT ["node", "bin/cutover.js"]
