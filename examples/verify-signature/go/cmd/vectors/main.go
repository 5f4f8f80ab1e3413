// Command vectors is the test harness: one case per stdin line, base64(secret) TAB
// base64(timestamp) TAB base64(signature) TAB base64(body) TAB now; it prints "accept" or
// "reject" for each.
package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"example.com/smshook/verifysignature"
)

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for scanner.Scan() {
		fields := strings.Split(scanner.Text(), "\t")
		decoded := make([][]byte, 4)
		for i := range decoded {
			var err error
			if decoded[i], err = base64.StdEncoding.DecodeString(fields[i]); err != nil {
				fmt.Fprintln(os.Stderr, "bad case:", err)
				os.Exit(2)
			}
		}
		now, err := strconv.ParseInt(fields[4], 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad case:", err)
			os.Exit(2)
		}
		verdict := "reject"
		if verifysignature.Verify(string(decoded[0]), string(decoded[1]), string(decoded[2]),
			decoded[3], time.Unix(now, 0)) {
			verdict = "accept"
		}
		fmt.Fprintln(out, verdict)
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "reading cases:", err)
		os.Exit(2)
	}
}
