# make test   build what is missing (every image the scenarios boot), run the scenario suite,
#             write reports/junit.xml
# make check  the harness's own tests (unit + real guests), then the scenario suite,
#             and the `matrix`-tagged scenarios on every other image; SUITE_REPORT=FILE
#             counts a report `make test` just wrote instead of running the suite again
# make matrix the shipped suite on every image: reports/matrix/<image>.xml, a summary per image
# make images build every image of images/debian/images.list (each only when missing or stale)
# make image NAME=bookworm-candidate BASE=debian-bookworm DEBS=path/
#             a candidate: BASE's release with the folder's .debs installed over it
# make outdated  what Debian's archive moved since each built image was built (exit 1 when something did)
# make stress  30 reboots in a row under load (REBOOTS=N): how many came back
# make mutants the seeded regressions of mutants/catalogue.yaml against the suite: which it catches
# make check NIXPKGS=DIR  also holds the confinement table and the harness's drop-in to NixOS's
#             own confinement module, from the nixpkgs in DIR (a checkout, or a folder with
#             lib/ and nixos/modules/security/systemd-confinement.nix); without NIXPKGS that
#             part is not run and counted as skipped
# make confinement-table NIXPKGS=DIR  the confinement table's NixOS fields written from
#             that module, and which nixpkgs in the table's header
IMAGE ?= debian-bookworm
JUNIT ?= reports/junit.xml
ALL_IMAGES := $(shell awk '!/^\#/ && NF { print $$1 }' images/debian/images.list)

.PHONY: test check matrix mutants images image build deps host-deps bench stress clean confinement-table outdated

# every image the shipped scenarios boot (and only those), each built when missing or stale
test: build host-deps
	for name in $$(node bin/harness.js list scenarios --images); do images/build-if-needed.sh $$name || exit 1; done
	node bin/harness.js run scenarios --junit $(JUNIT)

check: build images
	SUITE_REPORT='$(SUITE_REPORT)' NIXPKGS='$(NIXPKGS)' node scripts/check.js

mutants: build image
	node bin/harness.js mutants scenarios --junit reports/mutants.xml

confinement-table: build
	NIXPKGS='$(NIXPKGS)' node scripts/nixos-confinement-table.js --write

matrix: build images
	node scripts/matrix.js $(ALL_IMAGES)

# the default image only: what `make test` needs; or, with NAME, BASE and DEBS, a candidate
image: host-deps
	BASE='$(BASE)' DEBS='$(DEBS)' images/build-if-needed.sh $(or $(NAME),$(IMAGE))

images: host-deps
	for name in $(ALL_IMAGES); do images/build-if-needed.sh $$name || exit 1; done

build: deps
	npm run build

outdated: build
	node bin/harness.js images outdated

deps: host-deps node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

host-deps:
	NIXPKGS='$(NIXPKGS)' scripts/host-deps.sh

bench: build image
	node dist/bench/bench.js

# a guest rebooted 30 times (REBOOTS=N) while another keeps the cores busy: none may be lost
stress: build image
	node scripts/reboot-stress.js

clean:
	rm -rf dist reports
