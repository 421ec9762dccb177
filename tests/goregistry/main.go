// Command ggcr-referrers serves go-containerregistry's registry (pkg/registry) with the OCI 1.1
// referrers API switched on, which `crane registry serve` leaves off. Test infrastructure for
// kitops-jupyter: built by tests/gotools.py into a cache outside the repository.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "host:port to listen on")
	flag.Parse()
	server := &http.Server{
		Addr:              *address,
		ReadHeaderTimeout: 5 * time.Second,
		Handler: registry.New(
			registry.WithReferrersSupport(true),
			registry.Logger(log.New(io.Discard, "", 0)),
		),
	}
	log.Fatal(server.ListenAndServe())
}
