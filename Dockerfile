# Minimal image for now: a static musl binary on scratch (finished in the packaging issue).
FROM rust:1.95-alpine AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --target x86_64-unknown-linux-musl

FROM scratch
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/budgetgate /budgetgate
ENTRYPOINT ["/budgetgate"]
CMD ["check"]
