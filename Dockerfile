# The umconform image: the static binary of `make dist` and nothing else. No shell, no
# /tmp, no CA bundle (pass --ca-file for a target with a private CA); it runs as a user
# that is not root, with /reports as its report folder.
#
#   make dist && docker build -t umconform .
#   docker run --rm -v "$PWD/reports:/reports" umconform run
#
# (the mounted folder must be writable by uid 65534). e2e/emptyroot_test.go runs this file's
# binary, user, environment and entry point in an empty root, as `docker run` would.
FROM scratch
ARG TARGETARCH=amd64
COPY dist/umconform-linux-${TARGETARCH} /umconform
COPY --chown=65534:65534 build/image/reports/ /reports/
ENV UMCONFORM_REPORT_DIR=/reports
WORKDIR /reports
USER 65534:65534
ENTRYPOINT ["/umconform"]
CMD ["run"]
