package box

import "time"

// Phase is a step of a build, in this order.
type Phase string

// The phases of Build. Convert and Package happen once per output.
const (
	PhaseRootfs     Phase = "rootfs"     // mmdebstrap installs the packages
	PhaseConfigure  Phase = "configure"  // user, SSH, network, boot loader hooks
	PhaseInitramfs  Phase = "initramfs"  // the small initramfs
	PhaseDisk       Phase = "disk"       // partition table and file systems
	PhaseBootloader Phase = "bootloader" // syslinux and the MBR boot code
	PhaseConvert    Phase = "convert"    // qcow2 or VMDK
	PhasePackage    Phase = "package"    // the .box archive
)

// Step is a phase starting (Done false) or ending.
type Step struct {
	Phase Phase
	// Provider is the output's provider for PhaseConvert and PhasePackage.
	Provider Provider
	Done     bool
	// Took is the phase's duration, once Done.
	Took time.Duration
	// Err is why the phase failed, once Done.
	Err error
}

// Progress hears about the phases of a build as they start and end. Build
// calls it from one goroutine at a time.
type Progress interface {
	Report(Step)
}

type noProgress struct{}

func (noProgress) Report(Step) {}
