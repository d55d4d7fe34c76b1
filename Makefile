# nodesleuth: `make demo` (set up, build, analyze the demo bundle) and `make test`.
SWIFT ?= swift
BUNDLE := testdata/bundles/seed-incident

.PHONY: demo test build setup clean

setup:
	bash scripts/setup.sh

build: setup
	$(SWIFT) build -c release

demo: build
	.build/release/nodesleuth analyze $(BUNDLE)/sosreport-node7 --pcap $(BUNDLE)/captures/any.pcap

test: setup
	$(SWIFT) test

clean:
	rm -rf .build
