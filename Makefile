# make test   build what is missing, run the scenario suite, write reports/junit.xml
# make check  the harness's own tests (unit + real guests), then the scenario suite
IMAGE ?= debian-bookworm
JUNIT ?= reports/junit.xml

.PHONY: test check images build deps host-deps bench clean

test: build images
	node bin/harness.js run scenarios --junit $(JUNIT)

check: build images
	node scripts/check.js

images: host-deps
	images/build-if-needed.sh $(IMAGE)

build: deps
	npx tsc -p .

deps: host-deps node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

host-deps:
	scripts/host-deps.sh

bench: build images
	node dist/bench/bench.js

clean:
	rm -rf dist reports
