# syntax=docker/dockerfile:1
# budgetgate's action image: a static musl binary and the CA bundle on `scratch`.
#
# The release workflow builds it for linux/amd64 and linux/arm64 (buildx, each platform in
# its own native or emulated builder) and pushes it to GHCR; action.yml points at that image,
# so workflows never compile Rust. scripts/image-test.sh builds the final stage below from a
# locally built binary and runs it as the runner would: keep the final stage's instructions
# exactly as they are there (the script derives its Dockerfile from this one).

FROM rust:1.95-alpine3.22 AS build
# musl-dev for the C parts (ring, zlib); ca-certificates for the bundle we ship. Versions come
# with the pinned Alpine release of the base image; pinning apk versions as well would break
# the build whenever Alpine publishes a security update of them.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY . .
ARG BUDGETGATE_COMMIT=""
ENV BUDGETGATE_COMMIT=${BUDGETGATE_COMMIT}
# On Alpine the host target is *-unknown-linux-musl: the result is static.
RUN cargo build --release --locked \
 && mkdir -p /out/etc/ssl/certs \
 && cp target/release/budgetgate /out/budgetgate \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt

FROM scratch
COPY --from=build /out/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/budgetgate /budgetgate
# rustls reads the bundle here; GitHub Enterprise users with a private CA point SSL_CERT_FILE
# at their own bundle (mounted into the workspace).
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# Docker actions must run as root (GitHub's documented requirement): no USER line.
ENTRYPOINT ["/budgetgate"]
CMD ["action"]
