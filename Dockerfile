# The engine for production: Debian-based Deno (glibc, for the canvas addon) with ffmpeg (the
# stream to X) and espeak-ng (the host's voice). Dependencies are installed from deno.lock at build
# time (frozen: a lock that would change fails the build); the engine runs as the image's
# unprivileged `deno` user, its data in the /app/data volume.
FROM denoland/deno:debian-2.9.6

RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg espeak-ng ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN mkdir -p /app/data && chown -R deno:deno /app
USER deno

# Dependencies first: this layer is rebuilt only when the import map or the lock changes.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --chown=deno:deno . .
# Plugins are imported by name at start: cache every module now, so a start reads no network.
RUN deno install --frozen && deno cache main.ts plugins/*/mod.ts

ENV HOST=0.0.0.0 \
  PORT=8000 \
  DATA_DIR=/app/data \
  SOTHEBAIS_CONFIG=sothebais.prod.json \
  LOG_FORMAT=json
VOLUME /app/data
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8000/healthz'); Deno.exit(r.ok ? 0 : 1)"]
# main.ts itself, not a task: SIGTERM (docker stop) reaches the engine, which stops in order.
CMD ["deno", "run", "-A", "main.ts", "start"]
