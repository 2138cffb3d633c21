# The RTMP relay of compose.yaml: Debian's nginx with its RTMP module (the same the tests run).
# The push to X comes from X_RTMP_URL / X_STREAM_KEY at start (deploy/rtmp-relay.sh).
FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends nginx-light libnginx-mod-rtmp gettext-base \
  && rm -rf /var/lib/apt/lists/*
COPY deploy/rtmp-relay.sh deploy/nginx-rtmp.conf.template /relay/
USER www-data
EXPOSE 1935
ENTRYPOINT ["/relay/rtmp-relay.sh"]
